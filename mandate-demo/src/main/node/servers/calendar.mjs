// A small calendar server over MCP (stdio). State: {"owner", "events": [{id, title, day, start,
// end, location, description, participants: [email]}]} in the state file.
import { z } from "zod";
import { fail, nextId, serve } from "./state.mjs";

const event = (s, id) => s.events.find((e) => e.id === id);

await serve("scenario-calendar", {
  list_events: {
    description: "Lists the events of a day (YYYY-MM-DD).",
    input: { day: z.string() },
    run: (s, { day }) => s.events.filter((e) => e.day === day),
  },
  get_event: {
    description: "Returns one event.",
    input: { id: z.string() },
    run: (s, { id }) => event(s, id) ?? fail(`no event ${id}`),
  },
  search_events: {
    description: "Finds events whose title or description contains the query.",
    input: { query: z.string() },
    run: (s, { query }) =>
      s.events
        .filter((e) => `${e.title}\n${e.description}`.toLowerCase().includes(query.toLowerCase()))
        .map(({ id, title, day }) => ({ id, title, day })),
  },
  create_event: {
    description: "Creates an event on a day.",
    input: {
      title: z.string(),
      day: z.string(),
      start: z.string(),
      end: z.string(),
      participants: z.array(z.string()),
      location: z.string().optional(),
      description: z.string().optional(),
    },
    changes: true,
    run: (s, args) => {
      const e = { id: nextId("ev", s.events), location: "", description: "", ...args };
      s.events.push(e);
      return { created: e };
    },
  },
  cancel_event: {
    description: "Cancels an event.",
    input: { id: z.string() },
    changes: true,
    run: (s, { id }) => {
      if (!event(s, id)) return fail(`no event ${id}`);
      s.events = s.events.filter((e) => e.id !== id);
      return { cancelled: id };
    },
  },
  add_participants: {
    description: "Invites more people to an event.",
    input: { id: z.string(), participants: z.array(z.string()) },
    changes: true,
    run: (s, { id, participants }) => {
      const e = event(s, id);
      if (!e) return fail(`no event ${id}`);
      e.participants.push(...participants);
      return { updated: e };
    },
  },
});
