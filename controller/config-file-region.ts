/**
 * The region the AWS config file names for the profile in use (`AWS_PROFILE`, `AWS_CONFIG_FILE`), read
 * with the SDK's own resolver so that the controller agrees with the AWS CLI. Only read when neither
 * `--region` nor the environment gives one; undefined when the file names none.
 */
export async function configFileRegion(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (flag !== undefined || env.AWS_REGION || env.AWS_DEFAULT_REGION) return undefined
  const { SSMClient } = await import('@aws-sdk/client-ssm')
  const client = new SSMClient({})
  try {
    return await client.config.region()
  } catch {
    // "Region is missing": resolveRegion then says how to give one.
    return undefined
  } finally {
    client.destroy()
  }
}
