import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/**
 * A secret's string value, cached for five minutes so a rotated value is picked up without a
 * restart; `fresh` skips the cache (a server just refused the cached value). The SDK client honours `AWS_ENDPOINT_URL`, which is how the local emulator is reached.
 */
export async function secretString(arn: string, options: { fresh?: boolean } = {}): Promise<string> {
  const value = await getSecret(arn, { maxAge: 300, forceFetch: options.fresh ?? false });
  if (typeof value !== 'string' || value.length === 0) throw new Error(`Secret ${arn} has no string value`);
  return value;
}

/** A secret holding RDS-style JSON credentials. */
export async function secretCredentials(arn: string): Promise<{ username: string; password: string }> {
  const parsed = JSON.parse(await secretString(arn)) as { username?: unknown; password?: unknown };
  if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string') {
    throw new Error(`Secret ${arn} is not {username, password}`);
  }
  return { username: parsed.username, password: parsed.password };
}
