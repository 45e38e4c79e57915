/** Unit tests (pure logic and Pulumi mocks) and the real-cluster e2e suite are separate projects. */
const transform = { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] };
module.exports = {
  projects: [
    {
      displayName: "unit",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/*.test.ts"],
    },
    {
      displayName: "e2e",
      testEnvironment: "node",
      transform,
      testMatch: ["<rootDir>/test/e2e/*.test.ts"],
      globalSetup: "<rootDir>/test/e2e/globalSetup.ts",
    },
  ],
};
