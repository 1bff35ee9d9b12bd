// A small mail server over MCP (stdio). State: {"owner", "contacts": [{name, email}],
// "inbox": [{id, from, to, subject, body, date}], "sent": [... with cc and bcc when given]} in the
// state file.
import { z } from "zod";
import { fail, nextId, serve } from "./state.mjs";

const all = (s) => [...s.inbox, ...s.sent];

await serve("scenario-mail", {
  list_emails: {
    description: "Lists the emails in a folder (inbox or sent): id, from, to, subject, date.",
    input: { folder: z.enum(["inbox", "sent"]) },
    run: (s, { folder }) => s[folder].map(({ id, from, to, subject, date }) => ({ id, from, to, subject, date })),
  },
  read_email: {
    description: "Returns one email with its body.",
    input: { id: z.string() },
    run: (s, { id }) => all(s).find((e) => e.id === id) ?? fail(`no email ${id}`),
  },
  search_emails: {
    description: "Finds emails whose subject or body contains the query.",
    input: { query: z.string() },
    run: (s, { query }) =>
      all(s)
        .filter((e) => `${e.subject}\n${e.body}`.toLowerCase().includes(query.toLowerCase()))
        .map(({ id, from, subject }) => ({ id, from, subject })),
  },
  send_email: {
    description: "Sends an email from the owner, with optional cc and bcc recipients.",
    input: {
      to: z.string(),
      subject: z.string(),
      body: z.string(),
      cc: z.array(z.string()).optional(),
      bcc: z.array(z.string()).optional(),
    },
    changes: true,
    run: (s, { to, subject, body, cc, bcc }) => {
      const m = { id: nextId("sent", s.sent), from: s.owner, to, subject, body, date: "2026-05-14" };
      if (cc !== undefined) m.cc = cc;
      if (bcc !== undefined) m.bcc = bcc;
      s.sent.push(m);
      return { sent: m };
    },
  },
  delete_email: {
    description: "Deletes an email.",
    input: { id: z.string() },
    changes: true,
    run: (s, { id }) => {
      if (!all(s).some((e) => e.id === id)) return fail(`no email ${id}`);
      s.inbox = s.inbox.filter((e) => e.id !== id);
      s.sent = s.sent.filter((e) => e.id !== id);
      return { deleted: id };
    },
  },
  list_contacts: {
    description: "Lists the owner's contacts.",
    run: (s) => s.contacts,
  },
});
