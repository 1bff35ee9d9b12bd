// A small calendar server over MCP (stdio). State: {"owner", "events": [{id, title, day, start,
// end, location, description, participants: [email]}]} in the state file.
import { z } from "zod";
import { fail, load, nextId, ok, save, serve } from "./state.mjs";

await serve("scenario-calendar", (server) => {
  server.registerTool(
    "list_events",
    { description: "Lists the events of a day (YYYY-MM-DD).", inputSchema: { day: z.string() } },
    async ({ day }) => ok((await load()).events.filter((e) => e.day === day)),
  );
  server.registerTool(
    "get_event",
    { description: "Returns one event.", inputSchema: { id: z.string() } },
    async ({ id }) => {
      const e = (await load()).events.find((x) => x.id === id);
      return e ? ok(e) : fail(`no event ${id}`);
    },
  );
  server.registerTool(
    "search_events",
    { description: "Finds events whose title or description contains the query.", inputSchema: { query: z.string() } },
    async ({ query }) => {
      const q = query.toLowerCase();
      return ok(
        (await load()).events
          .filter((e) => `${e.title}\n${e.description}`.toLowerCase().includes(q))
          .map(({ id, title, day }) => ({ id, title, day })),
      );
    },
  );
  server.registerTool(
    "create_event",
    {
      description: "Creates an event on a day.",
      inputSchema: {
        title: z.string(),
        day: z.string(),
        start: z.string(),
        end: z.string(),
        participants: z.array(z.string()),
        location: z.string().optional(),
        description: z.string().optional(),
      },
    },
    async (args) => {
      const s = await load();
      const e = { id: nextId("ev", s.events), location: "", description: "", ...args };
      s.events.push(e);
      await save(s);
      return ok({ created: e });
    },
  );
  server.registerTool(
    "cancel_event",
    { description: "Cancels an event.", inputSchema: { id: z.string() } },
    async ({ id }) => {
      const s = await load();
      const n = s.events.length;
      s.events = s.events.filter((e) => e.id !== id);
      await save(s);
      return n === s.events.length ? fail(`no event ${id}`) : ok({ cancelled: id });
    },
  );
  server.registerTool(
    "add_participants",
    {
      description: "Invites more people to an event.",
      inputSchema: { id: z.string(), participants: z.array(z.string()) },
    },
    async ({ id, participants }) => {
      const s = await load();
      const e = s.events.find((x) => x.id === id);
      if (!e) return fail(`no event ${id}`);
      e.participants.push(...participants);
      await save(s);
      return ok({ updated: e });
    },
  );
});
