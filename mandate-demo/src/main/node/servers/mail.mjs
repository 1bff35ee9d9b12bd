// A small mail server over MCP (stdio). State: {"owner", "contacts": [{name, email}],
// "inbox": [{id, from, to, subject, body, date}], "sent": [... with cc and bcc when given]} in the
// state file.
import { z } from "zod";
import { fail, load, nextId, ok, save, serve } from "./state.mjs";

await serve("scenario-mail", (server) => {
  server.registerTool(
    "list_emails",
    {
      description: "Lists the emails in a folder (inbox or sent): id, from, to, subject, date.",
      inputSchema: { folder: z.enum(["inbox", "sent"]) },
    },
    async ({ folder }) => {
      const s = await load();
      return ok(s[folder].map(({ id, from, to, subject, date }) => ({ id, from, to, subject, date })));
    },
  );
  server.registerTool(
    "read_email",
    { description: "Returns one email with its body.", inputSchema: { id: z.string() } },
    async ({ id }) => {
      const s = await load();
      const m = [...s.inbox, ...s.sent].find((e) => e.id === id);
      return m ? ok(m) : fail(`no email ${id}`);
    },
  );
  server.registerTool(
    "search_emails",
    { description: "Finds emails whose subject or body contains the query.", inputSchema: { query: z.string() } },
    async ({ query }) => {
      const s = await load();
      const q = query.toLowerCase();
      return ok(
        [...s.inbox, ...s.sent]
          .filter((e) => `${e.subject}\n${e.body}`.toLowerCase().includes(q))
          .map(({ id, from, subject }) => ({ id, from, subject })),
      );
    },
  );
  server.registerTool(
    "send_email",
    {
      description: "Sends an email from the owner, with optional cc and bcc recipients.",
      inputSchema: {
        to: z.string(),
        subject: z.string(),
        body: z.string(),
        cc: z.array(z.string()).optional(),
        bcc: z.array(z.string()).optional(),
      },
    },
    async ({ to, subject, body, cc, bcc }) => {
      const s = await load();
      const m = { id: nextId("sent", s.sent), from: s.owner, to, subject, body, date: "2026-05-14" };
      if (cc !== undefined) m.cc = cc;
      if (bcc !== undefined) m.bcc = bcc;
      s.sent.push(m);
      await save(s);
      return ok({ sent: m });
    },
  );
  server.registerTool(
    "delete_email",
    { description: "Deletes an email.", inputSchema: { id: z.string() } },
    async ({ id }) => {
      const s = await load();
      const before = s.inbox.length + s.sent.length;
      s.inbox = s.inbox.filter((e) => e.id !== id);
      s.sent = s.sent.filter((e) => e.id !== id);
      await save(s);
      return before === s.inbox.length + s.sent.length ? fail(`no email ${id}`) : ok({ deleted: id });
    },
  );
  server.registerTool(
    "list_contacts",
    { description: "Lists the owner's contacts.", inputSchema: {} },
    async () => ok((await load()).contacts),
  );
});
