// One jest run, two projects: LWC components (sfdx-lwc-jest preset) and the TypeScript tooling (ts-jest).
const { jestConfig: lwcJestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
  reporters: ['default', '<rootDir>/scripts/test-support/summaryReporter.js'],
  projects: [
    {
      ...lwcJestConfig,
      displayName: 'lwc',
      rootDir: __dirname,
      roots: ['<rootDir>/force-app'],
      testPathIgnorePatterns: ['<rootDir>/node_modules/', '<rootDir>/.gtm/']
    },
    {
      displayName: 'scripts',
      rootDir: __dirname,
      roots: ['<rootDir>/scripts'],
      testEnvironment: 'node',
      testMatch: ['**/__tests__/**/*.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }] },
      moduleFileExtensions: ['ts', 'js', 'json']
    }
  ]
};
