import { stopMiniStack } from '../support/aws';
import { dropDatabase } from '../support/postgres';

export default async function globalTeardown(): Promise<void> {
  if (process.env.DB_NAME?.startsWith('storefront_test_')) await dropDatabase(process.env.DB_NAME);
  if (process.env.TEST_STARTED_MINISTACK === '1') stopMiniStack();
}
