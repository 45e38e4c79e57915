// Lint: typescript-eslint's recommended rules, and Pulumi's rules against Outputs in template
// literals (they need type information: the project's tsconfig).
const tseslint = require("typescript-eslint");
const pulumi = require("@pulumi/eslint-plugin");

module.exports = tseslint.config(
  {
    ignores: [
      "node_modules/",
      "bin/",
      "coverage/",
      "toolchain/",
      "test/e2e/toolchain/",
      "**/*.js",
      "**/*.cjs",
    ],
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    plugins: { pulumi },
    rules: {
      "pulumi/no-output-in-template-literal": "error",
      "pulumi/no-output-instance-in-template-literal": "error",
      // Mocks and Kubernetes objects are loosely typed JSON in tests.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/no-empty-object-type": "off",
    },
  },
);
