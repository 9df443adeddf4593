import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';

export interface EmailSender {
  send(email: { to: string; subject: string; text: string }): Promise<string>;
}

/** SES v2; the client honours `AWS_ENDPOINT_URL` (the local emulator's outbox). */
export function sesSender(from: string, client = new SESv2Client({})): EmailSender {
  return {
    async send({ to, subject, text }) {
      const res = await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
        }),
      );
      return res.MessageId ?? '';
    },
  };
}
