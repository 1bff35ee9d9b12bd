// A small team-chat server over MCP (stdio), in the manner of Slack. State: {"owner", "users":
// [name], "channels": {name: {members: [user], messages: [{from, body}]}}, "inbox": [{from,
// body}], "dms": {user: [{from, body}]}, "web": {url: text}} in the state file.
import { z } from "zod";
import { fail, serve } from "./state.mjs";

/** What find(channel) returns for an existing channel, or a failure naming the missing one. */
const inChannel = (s, channel, find) => {
  const c = s.channels[channel];
  return c ? find(c) : fail(`no channel ${channel}`);
};

await serve("scenario-chat", {
  list_channels: {
    description: "Lists the channels.",
    run: (s) => Object.keys(s.channels),
  },
  read_channel: {
    description: "Returns a channel's messages.",
    input: { channel: z.string() },
    run: (s, { channel }) => inChannel(s, channel, (c) => c.messages),
  },
  post_message: {
    description: "Posts a message to a channel.",
    input: { channel: z.string(), body: z.string() },
    changes: true,
    run: (s, { channel, body }) =>
      inChannel(s, channel, (c) => {
        c.messages.push({ from: s.owner, body });
        return { posted: channel };
      }),
  },
  read_inbox: {
    description: "Returns the owner's direct messages.",
    run: (s) => s.inbox,
  },
  send_dm: {
    description: "Sends a direct message to a user.",
    input: { user: z.string(), body: z.string() },
    changes: true,
    run: (s, { user, body }) => {
      (s.dms[user] ??= []).push({ from: s.owner, body });
      return { sent: user };
    },
  },
  add_user_to_channel: {
    description: "Adds a user to a channel.",
    input: { channel: z.string(), user: z.string() },
    changes: true,
    run: (s, { channel, user }) =>
      inChannel(s, channel, (c) => {
        c.members.push(user);
        return { added: user, channel };
      }),
  },
  remove_user: {
    description: "Removes a user from the workspace.",
    input: { user: z.string() },
    changes: true,
    run: (s, { user }) => {
      s.users = s.users.filter((u) => u !== user);
      return { removed: user };
    },
  },
  get_webpage: {
    description: "Fetches a web page.",
    input: { url: z.string() },
    run: (s, { url }) => (s.web[url] === undefined ? fail(`404 ${url}`) : { url, content: s.web[url] }),
  },
  post_webpage: {
    description: "Publishes content at a URL.",
    input: { url: z.string(), content: z.string() },
    changes: true,
    run: (s, { url, content }) => {
      s.web[url] = content;
      return { published: url };
    },
  },
});
