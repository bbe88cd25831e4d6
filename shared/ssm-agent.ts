/**
 * The oldest SSM Agent our document runs on: 3.3.2746.0 is the first to pass document parameters to a
 * script as `SSM_<name>` environment variables (`interpolationType: ENV_VAR`). The document relies on that
 * so that no parameter is ever spliced into the shell text; the README states this minimum.
 */
export const MIN_SSM_AGENT_VERSION = '3.3.2746.0'

/** What an instance with an older agent reports, instead of bash's "SSM_action: unbound variable". */
export const OLD_SSM_AGENT_MESSAGE = `SSM Agent ${MIN_SSM_AGENT_VERSION} or newer is required: this instance's agent did not pass the document parameters as SSM_* environment variables (interpolationType ENV_VAR); update amazon-ssm-agent on the instance and retry`
