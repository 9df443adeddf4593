/** An email in MiniStack's SES outbox (`GET /_ministack/ses/messages`). */
export interface SentEmail {
  readonly MessageId: string;
  readonly Source: string;
  readonly To: string[];
  readonly Subject: string;
  readonly BodyText: string;
  /** Seconds since the epoch, when the emulator accepted it. */
  readonly Timestamp: number;
}

/** Every email MiniStack's SES has accepted, all accounts together. */
export async function sentEmails(): Promise<SentEmail[]> {
  const res = await fetch(`${process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566'}/_ministack/ses/messages`);
  if (!res.ok) throw new Error(`MiniStack SES outbox answered ${res.status}`);
  const body = (await res.json()) as { messages: Record<string, SentEmail[]> };
  return Object.values(body.messages).flat();
}
