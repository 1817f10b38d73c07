// Unit tests: `*.spec.ts` beside the code, never `*.int-spec.ts` (those need the real servers).
const preset = require('./jest.preset');

module.exports = {
  ...preset,
  displayName: 'unit',
  testRegex: '(?<!\\.int-)\\.spec\\.ts$',
};
