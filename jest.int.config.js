// Integration tests: `*.int-spec.ts` under each project's test/, against real Kafka, PostgreSQL and Redis.
// Each test takes its own topics, schema and key prefix from @shelfcast/testing, so files may run in parallel.
const preset = require('./jest.preset');

module.exports = {
  ...preset,
  displayName: 'int',
  testRegex: '\\.int-spec\\.ts$',
  testTimeout: 120000,
  maxWorkers: 2,
  globalSetup: '<rootDir>/libs/testing/src/global-setup.js',
};
