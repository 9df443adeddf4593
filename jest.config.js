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
  // Real PostgreSQL, Redis and MiniStack, and synths of whole stages: slower than unit tests, never
  // mocked. A global option: Jest ignores `testTimeout` inside a project (it stayed at 5 s there).
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
