// A small bank server over MCP (stdio). State: {"account": {iban, owner, balance, password,
// street, city}, "transactions": [{id, date, from, to, amount, subject}], "scheduled": [{id, iban,
// amount, subject, date, recurring}]} in the state file. A scheduled transaction's id is text
// ("sched-1") or an integer (7), as the seed has it.
import { z } from "zod";
import { fail, load, nextId, ok, save, serve } from "./state.mjs";

await serve("scenario-bank", (server) => {
  server.registerTool(
    "get_balance",
    { description: "Returns the account's IBAN and balance in EUR.", inputSchema: {} },
    async () => {
      const { account } = await load();
      return ok({ iban: account.iban, balance: account.balance });
    },
  );
  server.registerTool(
    "list_transactions",
    { description: "Lists past transactions, newest first.", inputSchema: {} },
    async () => ok([...(await load()).transactions].reverse()),
  );
  server.registerTool(
    "list_scheduled",
    { description: "Lists scheduled transactions.", inputSchema: {} },
    async () => ok((await load()).scheduled),
  );
  server.registerTool(
    "send_money",
    {
      description: "Transfers amount EUR to the IBAN now.",
      inputSchema: { iban: z.string(), amount: z.number().positive(), subject: z.string() },
    },
    async ({ iban, amount, subject }) => {
      const s = await load();
      if (amount > s.account.balance) return fail("insufficient funds");
      const t = { id: nextId("tx", s.transactions), date: "2026-05-14", from: s.account.iban, to: iban, amount, subject };
      s.transactions.push(t);
      s.account.balance = Math.round((s.account.balance - amount) * 100) / 100;
      await save(s);
      return ok({ transferred: t, balance: s.account.balance });
    },
  );
  server.registerTool(
    "schedule_transaction",
    {
      description: "Schedules a transfer for a date, optionally monthly.",
      inputSchema: {
        iban: z.string(),
        amount: z.number().positive(),
        subject: z.string(),
        date: z.string(),
        recurring: z.boolean(),
      },
    },
    async (args) => {
      const s = await load();
      const t = { id: nextId("sched", s.scheduled), ...args };
      s.scheduled.push(t);
      await save(s);
      return ok({ scheduled: t });
    },
  );
  server.registerTool(
    "update_scheduled_transaction",
    {
      description: "Changes the amount or the IBAN of a scheduled transaction (its id as listed).",
      inputSchema: {
        id: z.union([z.string(), z.number().int()]),
        amount: z.number().positive().optional(),
        iban: z.string().optional(),
      },
    },
    async ({ id, amount, iban }) => {
      const s = await load();
      const t = s.scheduled.find((x) => x.id === id);
      if (!t) return fail(`no scheduled transaction ${id}`);
      if (amount !== undefined) t.amount = amount;
      if (iban !== undefined) t.iban = iban;
      await save(s);
      return ok({ updated: t });
    },
  );
  server.registerTool(
    "get_user_info",
    { description: "Returns the account owner's name and address.", inputSchema: {} },
    async () => {
      const { account } = await load();
      return ok({ owner: account.owner, street: account.street, city: account.city });
    },
  );
  server.registerTool(
    "update_user_info",
    { description: "Changes the owner's address.", inputSchema: { street: z.string(), city: z.string() } },
    async ({ street, city }) => {
      const s = await load();
      Object.assign(s.account, { street, city });
      await save(s);
      return ok({ street, city });
    },
  );
  server.registerTool(
    "update_password",
    { description: "Changes the online-banking password.", inputSchema: { password: z.string() } },
    async ({ password }) => {
      const s = await load();
      s.account.password = password;
      await save(s);
      return ok({ updated: "password" });
    },
  );
});
