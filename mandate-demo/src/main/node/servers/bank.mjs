// A small bank server over MCP (stdio). State: {"account": {iban, owner, balance, password,
// street, city}, "transactions": [{id, date, from, to, amount, subject}], "scheduled": [{id, iban,
// amount, subject, date, recurring}]} in the state file. A scheduled transaction's id is text
// ("sched-1") or an integer (7), as the seed has it.
import { z } from "zod";
import { fail, nextId, serve } from "./state.mjs";

await serve("scenario-bank", {
  get_balance: {
    description: "Returns the account's IBAN and balance in EUR.",
    run: ({ account }) => ({ iban: account.iban, balance: account.balance }),
  },
  list_transactions: {
    description: "Lists past transactions, newest first.",
    run: (s) => [...s.transactions].reverse(),
  },
  list_scheduled: {
    description: "Lists scheduled transactions.",
    run: (s) => s.scheduled,
  },
  send_money: {
    description: "Transfers amount EUR to the IBAN now.",
    input: { iban: z.string(), amount: z.number().positive(), subject: z.string() },
    changes: true,
    run: (s, { iban, amount, subject }) => {
      if (amount > s.account.balance) return fail("insufficient funds");
      const t = { id: nextId("tx", s.transactions), date: "2026-05-14", from: s.account.iban, to: iban, amount, subject };
      s.transactions.push(t);
      s.account.balance = Math.round((s.account.balance - amount) * 100) / 100;
      return { transferred: t, balance: s.account.balance };
    },
  },
  schedule_transaction: {
    description: "Schedules a transfer for a date, optionally monthly.",
    input: {
      iban: z.string(),
      amount: z.number().positive(),
      subject: z.string(),
      date: z.string(),
      recurring: z.boolean(),
    },
    changes: true,
    run: (s, args) => {
      const t = { id: nextId("sched", s.scheduled), ...args };
      s.scheduled.push(t);
      return { scheduled: t };
    },
  },
  update_scheduled_transaction: {
    description: "Changes the amount or the IBAN of a scheduled transaction (its id as listed).",
    input: {
      id: z.union([z.string(), z.number().int()]),
      amount: z.number().positive().optional(),
      iban: z.string().optional(),
    },
    changes: true,
    run: (s, { id, amount, iban }) => {
      const t = s.scheduled.find((x) => x.id === id);
      if (!t) return fail(`no scheduled transaction ${id}`);
      if (amount !== undefined) t.amount = amount;
      if (iban !== undefined) t.iban = iban;
      return { updated: t };
    },
  },
  get_user_info: {
    description: "Returns the account owner's name and address.",
    run: ({ account }) => ({ owner: account.owner, street: account.street, city: account.city }),
  },
  update_user_info: {
    description: "Changes the owner's address.",
    input: { street: z.string(), city: z.string() },
    changes: true,
    run: (s, { street, city }) => {
      Object.assign(s.account, { street, city });
      return { street, city };
    },
  },
  update_password: {
    description: "Changes the online-banking password.",
    input: { password: z.string() },
    changes: true,
    run: (s, { password }) => {
      s.account.password = password;
      return { updated: "password" };
    },
  },
});
