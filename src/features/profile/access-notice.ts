import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/schema.ts';
import type { MailTransport } from '../mail/transport.ts';
import { accessAddedMessage } from './accounts.messages.tsx';
import { maskEmail } from '../mail/email-address.ts';
import { otherConfirmedEmailsOfAccount } from './profile-accounts.repository.ts';

/** «ivanov@mail.ru» → «i***@m***.ru»: the mail feature's mask, the domain's name masked too. */
export function maskProfileEmail(email: string): string {
  const masked = maskEmail(email);
  const at = masked.lastIndexOf('@');
  const labels = masked.slice(at + 1).split('.');
  const tld = labels.length > 1 ? labels.pop() : undefined;
  const host = labels.map((l) => `${l.slice(0, 1)}***`).join('.');
  return `${masked.slice(0, at)}@${host}${tld === undefined ? '' : `.${tld}`}`;
}

export interface AccessNoticeDeps {
  db: Kysely<Database>;
  transport: MailTransport;
  publicUrl: string;
  supplierName: string;
}

/**
 * Tells every other confirmed profile that sees the account that `newcomer` sees it now. The
 * proof of attaching is what a family shares (number, surname, an amount), so the portal cannot
 * tell its holder from someone who learnt them; the ones who already hold the account can, and
 * remove the access on «Кто видит счёт». Sent at once, one message per address; a relay that
 * fails does not undo the access (as the attachment's own e-mail), nor stops the next address.
 */
export async function tellOtherProfiles(
  deps: AccessNoticeDeps,
  newcomer: { profileId: number; email: string },
  account: { accountId: number; accountNumber: string },
): Promise<void> {
  const to = await otherConfirmedEmailsOfAccount(deps.db, account.accountId, newcomer.profileId);
  for (const address of to) {
    try {
      await deps.transport.send(
        accessAddedMessage({
          to: address,
          accountNumber: account.accountNumber,
          newcomer: maskProfileEmail(newcomer.email),
          accessUrl: `${deps.publicUrl}/cabinet/access`,
          supplierName: deps.supplierName,
        }),
      );
    } catch {
      // The next address still gets its message.
    }
  }
}
