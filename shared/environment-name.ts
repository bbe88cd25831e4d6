/** An environment names a namespace: it travels in parameter names and IAM resource ARNs. */
export const ENVIRONMENT_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,31}$'
