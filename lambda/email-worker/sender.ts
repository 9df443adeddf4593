import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';

export interface EmailSender {
  /** `signal`: the caller's deadline, so a hung SES call ends before the function is killed. */
  send(email: { to: string; subject: string; text: string }, signal?: AbortSignal): Promise<string>;
}

/** SES v2; the client honours `AWS_ENDPOINT_URL` (the local emulator's outbox). */
export function sesSender(from: string, client = new SESv2Client({})): EmailSender {
  return {
    async send({ to, subject, text }, signal) {
      const res = await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
        }),
        { abortSignal: signal },
      );
      return res.MessageId ?? '';
    },
  };
}
