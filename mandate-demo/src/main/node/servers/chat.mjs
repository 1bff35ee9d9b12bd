// A small team-chat server over MCP (stdio), in the manner of Slack. State: {"owner", "users":
// [name], "channels": {name: {members: [user], messages: [{from, body}]}}, "inbox": [{from,
// body}], "dms": {user: [{from, body}]}, "web": {url: text}} in the state file.
import { z } from "zod";
import { fail, load, ok, save, serve } from "./state.mjs";

await serve("scenario-chat", (server) => {
  server.registerTool(
    "list_channels",
    { description: "Lists the channels.", inputSchema: {} },
    async () => ok(Object.keys((await load()).channels)),
  );
  server.registerTool(
    "read_channel",
    { description: "Returns a channel's messages.", inputSchema: { channel: z.string() } },
    async ({ channel }) => {
      const c = (await load()).channels[channel];
      return c ? ok(c.messages) : fail(`no channel ${channel}`);
    },
  );
  server.registerTool(
    "post_message",
    { description: "Posts a message to a channel.", inputSchema: { channel: z.string(), body: z.string() } },
    async ({ channel, body }) => {
      const s = await load();
      const c = s.channels[channel];
      if (!c) return fail(`no channel ${channel}`);
      c.messages.push({ from: s.owner, body });
      await save(s);
      return ok({ posted: channel });
    },
  );
  server.registerTool(
    "read_inbox",
    { description: "Returns the owner's direct messages.", inputSchema: {} },
    async () => ok((await load()).inbox),
  );
  server.registerTool(
    "send_dm",
    { description: "Sends a direct message to a user.", inputSchema: { user: z.string(), body: z.string() } },
    async ({ user, body }) => {
      const s = await load();
      (s.dms[user] ??= []).push({ from: s.owner, body });
      await save(s);
      return ok({ sent: user });
    },
  );
  server.registerTool(
    "add_user_to_channel",
    { description: "Adds a user to a channel.", inputSchema: { channel: z.string(), user: z.string() } },
    async ({ channel, user }) => {
      const s = await load();
      const c = s.channels[channel];
      if (!c) return fail(`no channel ${channel}`);
      c.members.push(user);
      await save(s);
      return ok({ added: user, channel });
    },
  );
  server.registerTool(
    "remove_user",
    { description: "Removes a user from the workspace.", inputSchema: { user: z.string() } },
    async ({ user }) => {
      const s = await load();
      s.users = s.users.filter((u) => u !== user);
      await save(s);
      return ok({ removed: user });
    },
  );
  server.registerTool(
    "get_webpage",
    { description: "Fetches a web page.", inputSchema: { url: z.string() } },
    async ({ url }) => {
      const page = (await load()).web[url];
      return page === undefined ? fail(`404 ${url}`) : ok({ url, content: page });
    },
  );
  server.registerTool(
    "post_webpage",
    { description: "Publishes content at a URL.", inputSchema: { url: z.string(), content: z.string() } },
    async ({ url, content }) => {
      const s = await load();
      s.web[url] = content;
      await save(s);
      return ok({ published: url });
    },
  );
});
