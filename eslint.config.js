// Lint: typescript-eslint's recommended rules on the program, components, tests and tools.
const tseslint = require("typescript-eslint");

module.exports = tseslint.config({ ignores: ["node_modules/", "bin/", "coverage/", "**/*.js"] }, ...tseslint.configs.recommended, {
  rules: {
    // Mocks and Kubernetes objects are loosely typed JSON in tests.
    "@typescript-eslint/no-explicit-any": "off",
    "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    "@typescript-eslint/no-empty-object-type": "off",
  },
});
