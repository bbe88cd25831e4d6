/** The release version of the controller, the agent and its artefacts; kept equal to package.json's by a test. */
export const VERSION = '0.1.0'
