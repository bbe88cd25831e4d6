/** The slice of a pino logger the jobs use, so tests can record what was logged. */
export interface JobLog {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}
