/** Type-checking runs once in `npm test` (tsc --noEmit); jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }], '^.+\\.sh$': '<rootDir>/test/sh-transform.js' },
  moduleFileExtensions: ['ts', 'js', 'json', 'sh'],
  testTimeout: 60000,
  // Checks needing CHART_VALUES_DIR or SCHEMAS_DIR skip without them; one line after the summary says so.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
