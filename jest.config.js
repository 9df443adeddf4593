/** @type {import('jest').Config} */
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  // Sources import with NodeNext-style `.js` suffixes; map them back to the `.ts` files.
  moduleNameMapper: {
    '^#shared/(.*)\\.js$': '<rootDir>/lambda/shared/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

module.exports = {
  // Services keep one pool per container by design; the run ends when the tests do.
  forceExit: true,
  // The services run against real PostgreSQL, Redis and MiniStack: slower than unit tests, never
  // mocked. Set here because Jest 30 takes the timeout from the global config only: set inside the
  // services project it was ignored, and they ran with the 5 s default (timeouts on a busy machine).
  testTimeout: 60_000,
  projects: [
    {
      ...base,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
    },
    {
      ...base,
      displayName: 'services',
      testMatch: ['<rootDir>/test/services/**/*.test.ts'],
      globalSetup: '<rootDir>/test/services/global-setup.ts',
      globalTeardown: '<rootDir>/test/services/global-teardown.ts',
    },
  ],
};
