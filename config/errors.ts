import { InputError, InputProblem } from "../catalog/problems";

/** Problems of the stack's `localkube:*` configuration (stack files, `-c` flags, defaults files). */
export class ConfigError extends InputError {
  constructor(problems: readonly InputProblem[], heading = "invalid configuration") {
    super(problems, heading);
    this.name = "ConfigError";
  }
}
