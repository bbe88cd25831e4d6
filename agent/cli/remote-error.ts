import { DeployToolError, type ErrorCode } from '../../shared/errors.ts'
import { type ErrorLine, isKnownCode } from '../api/protocol.ts'

/** A catalogue error that happened inside the daemon, rebuilt on the CLI side with the same code. */
export class DaemonReportedError extends DeployToolError {
  readonly code: ErrorCode

  constructor(line: ErrorLine) {
    super(line.message)
    this.code = isKnownCode(line.code) ? line.code : 'E_INTERNAL'
  }
}
