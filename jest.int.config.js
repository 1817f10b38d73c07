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
  // After a broker has been stopped and restarted under it, kafkajs can leave a reconnect in flight
  // past every disconnect(); run alone, such a file would keep Jest waiting. Workers are force-exited anyway.
  forceExit: true,
};
