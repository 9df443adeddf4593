const { existsSync, readFileSync } = require('node:fs');

// The drills of prod's compute shape (Fargate tasks, the replica, the shop's Redis) need that shape.
const shape = existsSync(`${__dirname}/.local/shape`) ? readFileSync(`${__dirname}/.local/shape`, 'utf8').trim() : 'lambda';

/**
 * `npm run test:e2e`: drives the stage `npm run local` deployed (reads cdk-outputs.local.json), with
 * the container drills (test/e2e/containers.test.ts) when that stage is in prod's compute shape.
 * Not part of `npm test`: it needs the deployed local stage. Run in band (one shop, one stock).
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: 'e2e',
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  // Sources import with NodeNext-style `.js` suffixes; map them back to the `.ts` files.
  moduleNameMapper: {
    '^#shared/(.*)\\.js$': '<rootDir>/lambda/shared/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
  testPathIgnorePatterns: shape === 'containers' ? [] : ['<rootDir>/test/e2e/containers.test.ts'],
  // Each call crosses API Gateway and a Lambda started as a local process (cold starts are seconds).
  testTimeout: 60_000,
  forceExit: true,
};
