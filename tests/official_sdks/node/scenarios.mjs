// Knock's official Node SDK (@knocklabs/node) against knockkit's standalone fake, only the base
// URL changed. Run by tests/official_sdks/test_knock_node.py:
//   KNOCK_BASE_URL=... KNOCK_API_KEY=... KNOCKKIT_FEED_CHANNEL_ID=... KNOCKKIT_PUSH_CHANNEL_ID=... node scenarios.mjs
// Prints one JSON report: [{"name", "ok", "detail"}, ...], one entry per scenario, in order. A
// scenario is ok when every SDK call succeeded and what it returned is what Knock would return;
// the pytest side then checks the fake's state through knockkit.
import Knock, { AuthenticationError, NotFoundError, UnprocessableEntityError } from '@knocklabs/node';

const knock = new Knock({ apiKey: process.env.KNOCK_API_KEY, baseURL: process.env.KNOCK_BASE_URL, maxRetries: 0 });
const FEED = process.env.KNOCKKIT_FEED_CHANNEL_ID;
const PUSH = process.env.KNOCKKIT_PUSH_CHANNEL_ID;

function check(condition, what, value) {
  if (!condition) throw new Error(`${what}: got ${JSON.stringify(value)}`);
}

async function all(pagePromise) {
  const items = [];
  for await (const item of pagePromise) items.push(item);
  return items;
}

async function rejects(promise, errorClass) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof errorClass) return error;
    throw error;
  }
  throw new Error(`expected ${errorClass.name}, the call succeeded`);
}

const scenarios = {
  async identify() {
    const user = await knock.users.update('js-jhammond', { name: 'John Hammond', email: 'jhammond@ingen.net', title: 'Founder' });
    check(user.id === 'js-jhammond' && user.email === 'jhammond@ingen.net', 'user', user);
    check(user.title === 'Founder' && user.__typename === 'User', 'custom property and typename', user);
  },

  async get_user() {
    await knock.users.update('js-esattler', { name: 'Ellie Sattler', phone_number: '+15555550101' });
    const user = await knock.users.get('js-esattler');
    check(user.name === 'Ellie Sattler' && user.phone_number === '+15555550101' && user.updated_at, 'user', user);
  },

  async preferences() {
    await knock.users.update('js-prefs', {});
    const written = await knock.users.setPreferences('js-prefs', 'default', {
      channel_types: { email: false, sms: true },
      workflows: { 'dinosaurs-loose': false },
      categories: { safety: { channel_types: { push: false } } },
    });
    check(written.id === 'default' && written.channel_types.email === false, 'written', written);
    const read = await knock.users.getPreferences('js-prefs', 'default');
    check(JSON.stringify(read) === JSON.stringify(written), 'read back', read);
    const merged = await knock.users.setPreferences('js-prefs', 'default', { __persistence_strategy__: 'merge', commercial_subscribed: true });
    check(merged.commercial_subscribed === true && merged.channel_types.sms === true, 'merged', merged);
  },

  async channel_data() {
    await knock.users.update('js-channels', {});
    const written = await knock.users.setChannelData('js-channels', PUSH, { data: { tokens: ['apns-token-1'] } });
    check(written.channel_id === PUSH && written.data.tokens[0] === 'apns-token-1', 'written', written);
    const read = await knock.users.getChannelData('js-channels', PUSH);
    check(read.data.tokens[0] === 'apns-token-1', 'read back', read);
  },

  async trigger() {
    const answer = await knock.workflows.trigger('dinosaurs-loose', {
      recipients: ['js-trigger', { id: 'js-inline', name: 'Inline Person' }],
      actor: { id: 'js-dnedry', name: 'Dennis Nedry' },
      tenant: 'js-park',
      data: { type: 'trex', priority: 1 },
      cancellation_key: 'js-alarm',
    });
    check(typeof answer.workflow_run_id === 'string' && answer.workflow_run_id, 'workflow_run_id', answer);
    return { workflow_run_id: answer.workflow_run_id };
  },

  async idempotent_trigger() {
    const send = () => knock.workflows.trigger('park-digest', { recipients: ['js-once'] }, { idempotencyKey: 'js-once-1' }).withResponse();
    const first = await send();
    const again = await send();
    check(first.data.workflow_run_id === again.data.workflow_run_id, 'the same run', [first.data, again.data]);
    check(again.response.headers.get('idempotent-replayed') === 'true', 'replayed', [...again.response.headers]);
    return { workflow_run_id: first.data.workflow_run_id };
  },

  async rendered_content() {
    // A workflow of the loaded Knock directory: its email rendered from the template.
    await knock.users.update('js-welcome', { name: 'Sarah Harding', email: 'sharding@ingen.net' });
    await knock.workflows.trigger('welcome', { recipients: ['js-welcome'] });
    const email = (await all(knock.users.listMessages('js-welcome'))).find((m) => m.source.step_ref === 'email_1');
    const content = await knock.messages.getContent(email.id);
    check(content.data.subject_line === 'Welcome to Jurassic Park, Sarah Harding', 'subject', content.data);
    check(content.data.to === 'sharding@ingen.net', 'to', content.data);
    return { message_id: email.id, channel_id: email.channel_id };
  },

  async cancel() {
    await knock.workflows.trigger('dinosaurs-loose', { recipients: ['js-cancel-1', 'js-cancel-2'], cancellation_key: 'js-c' });
    const answer = await knock.workflows.cancel('dinosaurs-loose', { cancellation_key: 'js-c', recipients: ['js-cancel-1'] });
    check(answer === undefined || answer === null || answer === '', 'cancel answers nothing', answer);
  },

  async messages() {
    await knock.workflows.trigger('park-digest', { recipients: ['js-reader'], data: { n: 1 } });
    const [listed, ...rest] = await all(knock.users.listMessages('js-reader'));
    check(listed && rest.length === 0, 'one message', [listed, ...rest]);
    check((await knock.messages.get(listed.id)).id === listed.id, 'get', listed);
    const filtered = await all(knock.messages.list({ message_ids: [listed.id], status: ['sent'] }));
    check(filtered.length === 1 && filtered[0].id === listed.id, 'list by message_ids and status', filtered);
    const read = await knock.messages.markAsRead(listed.id);
    check(read.engagement_statuses.includes('read') && read.read_at, 'marked read', read);
    return { message_id: listed.id };
  },

  async message_batch() {
    await knock.workflows.trigger('park-digest', { recipients: ['js-batch'], data: { n: 2 } });
    const ids = (await all(knock.users.listMessages('js-batch'))).map((m) => m.id);
    const seen = await knock.messages.batch.markAsSeen({ message_ids: ids });
    check(seen.map((m) => m.id).join() === ids.join() && seen.every((m) => m.seen_at), 'marked seen', seen);
    const contents = await knock.messages.batch.getContent({ message_ids: ids });
    check(contents.length === 1 && contents[0].data.__typename === 'MessageInAppFeedContent', 'contents', contents);
    return { message_ids: ids };
  },

  async objects() {
    const obj = await knock.objects.set('js-projects', 'raptor-pen', { name: 'Raptor pen', fence: 'electric' });
    check(obj.collection === 'js-projects' && obj.properties.fence === 'electric', 'set', obj);
    check((await knock.objects.get('js-projects', 'raptor-pen')).properties.name === 'Raptor pen', 'get', obj);
    await knock.users.update('js-keeper', {});
    const added = await knock.objects.addSubscriptions('js-projects', 'raptor-pen', {
      recipients: ['js-keeper'], properties: { role: 'keeper' },
    });
    check(added.length === 1 && added[0].properties.role === 'keeper', 'added', added);
    const listed = await all(knock.objects.listSubscriptions('js-projects', 'raptor-pen'));
    check(listed.length === 1 && listed[0].recipient.id === 'js-keeper', 'listed', listed);
  },

  async object_recipient_filters() {
    // Arrays of objects in a query go indexed: recipients[0][id]=..&recipients[0][collection]=..
    const pen = { id: 'js-pen-2', collection: 'js-projects' };
    await knock.objects.set('js-projects', 'js-pen-2', { name: 'Pen 2' });
    await knock.objects.set('js-projects', 'js-pen-3', { name: 'Pen 3' });
    await knock.objects.addSubscriptions('js-projects', 'js-pen-3', { recipients: [pen, 'js-filter-user'] });
    const subscribers = await all(knock.objects.listSubscriptions('js-projects', 'js-pen-3', { recipients: [pen] }));
    check(subscribers.map((s) => s.recipient.id).join() === 'js-pen-2', 'subscribers', subscribers);
    const subscribed = await all(knock.objects.listSubscriptions('js-projects', 'js-pen-2', {
      mode: 'recipient', objects: [{ id: 'js-pen-3', collection: 'js-projects' }],
    }));
    check(subscribed.map((s) => s.object.id).join() === 'js-pen-3', 'subscribed to', subscribed);
    await knock.schedules.create({ workflow: 'park-digest', recipients: [pen, 'js-filter-user'], repeats: [{ frequency: 'daily' }] });
    const mine = await all(knock.schedules.list({ workflow: 'park-digest', recipients: [pen] }));
    check(mine.length === 1 && mine[0].recipient.id === 'js-pen-2', 'schedules of the object', mine);
  },

  async tenants() {
    const tenant = await knock.tenants.set('js-isla-nublar', { name: 'Isla Nublar', settings: { branding: { primary_color: '#DF1A22' } } });
    check(tenant.name === 'Isla Nublar' && tenant.settings.branding.primary_color === '#DF1A22', 'set', tenant);
    check((await knock.tenants.get('js-isla-nublar')).name === 'Isla Nublar', 'get', tenant);
    const listed = await all(knock.tenants.list({ name: 'Isla Nublar' }));
    check(listed.some((t) => t.id === 'js-isla-nublar'), 'listed by name', listed);
  },

  async tenant_preferences() {
    const tenant = await knock.tenants.set('js-isla-sorna', { settings: { preference_set: { channel_types: { email: false } } } });
    check(tenant.settings.preference_set.channel_types.email === false, 'set', tenant);
    const read = await knock.tenants.get('js-isla-sorna');
    check(read.settings.preference_set.id === 'default', 'the preference set has its id', read);
  },

  async schedules() {
    // A schedule of a workflow from the loaded directory (object_recipient_filters schedules a declared one).
    const [schedule, ...rest] = await knock.schedules.create({
      workflow: 'welcome', recipients: ['js-scheduled'], repeats: [{ frequency: 'daily', hours: 9, minutes: 0 }],
      data: { digest: true }, tenant: 'js-park',
    });
    check(rest.length === 0 && schedule.recipient.id === 'js-scheduled' && schedule.data.digest === true, 'created', schedule);
    const listed = await all(knock.schedules.list({ workflow: 'welcome', recipients: ['js-scheduled'] }));
    check(listed.length === 1 && listed[0].id === schedule.id, 'listed', listed);
    const deleted = await knock.schedules.delete({ schedule_ids: [schedule.id] });
    check(deleted.length === 1 && deleted[0].id === schedule.id, 'deleted', deleted);
  },

  async feed() {
    await knock.workflows.trigger('park-digest', { recipients: ['js-feed'], actor: 'js-dnedry', data: { headline: 'Gates open' } });
    const page = await knock.users.feeds.listItems('js-feed', FEED);
    check(page.entries.length === 1 && page.entries[0].data.headline === 'Gates open', 'entries', page.entries);
    const [block, ...more] = page.entries[0].blocks;
    check(more.length === 0 && block.name === 'body' && block.content === '{"headline": "Gates open"}', 'blocks', page.entries[0]);
    check(page.body.meta.unseen_count === 1 && page.page_info.page_size > 0, 'meta and page_info', page.body);
    return { feed_item_id: page.entries[0].id };
  },

  async bulk_identify() {
    const operation = await knock.users.bulk.identify({ users: [{ id: 'js-bulk-1', name: 'Alan Grant' }, { id: 'js-bulk-2' }] });
    check(operation.name === 'users.identify' && operation.estimated_total_rows === 2, 'operation', operation);
    const done = await knock.bulkOperations.get(operation.id);
    check(done.status === 'completed', 'completed', done);
  },

  async bulk_set_objects() {
    const operation = await knock.objects.bulk.set('js-paddocks', { objects: [{ id: 'north', name: 'North' }, { id: 'south' }] });
    check(operation.name === 'objects.set', 'operation', operation);
    check((await knock.bulkOperations.get(operation.id)).success_count === 2, 'succeeded', operation);
  },

  async audiences() {
    await knock.audiences.addMembers('js-beta', { members: [{ user: { id: 'js-member', name: 'Member' } }], create_audience: true });
    const members = await knock.audiences.listMembers('js-beta');
    check(members.entries.length === 1 && members.entries[0].user_id === 'js-member', 'members', members);
  },

  async pagination() {
    for (const n of [0, 1, 2]) await knock.objects.set('js-pages', `item-${n}`, {});
    const first = await knock.objects.list('js-pages', { page_size: 2 });
    check(first.entries.length === 2 && first.hasNextPage(), 'first page', first.entries);
    const ids = (await all(knock.objects.list('js-pages', { page_size: 2 }))).map((o) => o.id);
    check(ids.join() === 'item-0,item-1,item-2', 'every page', ids);
  },

  async concurrent_requests() {
    // Many requests in flight at once: identify a crowd, then trigger for it.
    const ids = Array.from({ length: 20 }, (_, n) => `js-crowd-${n}`); // state.CROWD
    const identified = await Promise.all(ids.map((id, n) => knock.users.update(id, { name: `Visitor ${n}` })));
    check(identified.map((u) => u.id).join() === ids.join(), 'identified', identified.map((u) => u.id));
    const answer = await knock.workflows.trigger('park-digest', { recipients: ids });
    return { workflow_run_id: answer.workflow_run_id };
  },

  async deletes() {
    await knock.users.update('js-gone', {});
    await knock.objects.set('js-projects', 'gone', {});
    await knock.tenants.set('js-gone', {});
    for (const answer of [await knock.users.delete('js-gone'), await knock.objects.delete('js-projects', 'gone'),
      await knock.tenants.delete('js-gone')]) {
      check(!answer, 'a delete answers nothing', answer);
    }
    await rejects(knock.users.get('js-gone'), NotFoundError);
  },

  async errors() {
    const stranger = knock.withOptions({ apiKey: 'sk_test_not_the_fakes_key' });
    const unauthorized = await rejects(stranger.users.get('js-nobody'), AuthenticationError);
    check(unauthorized.status === 401 && unauthorized.error.type === 'authentication_error', 'unauthorized', unauthorized.error);
    const missing = await rejects(knock.users.get('js-nobody'), NotFoundError);
    check(missing.status === 404 && missing.error.code === 'resource_missing', 'not found', missing.error);
    const invalid = await rejects(knock.workflows.trigger('dinosaurs-loose', { recipients: [] }), UnprocessableEntityError);
    check(invalid.error.type === 'invalid_request_error', 'invalid', invalid.error);
  },
};

const report = [];
for (const [name, run] of Object.entries(scenarios)) {
  try {
    report.push({ name, ok: true, detail: (await run()) ?? null });
  } catch (error) {
    const body = error.error ? ` ${JSON.stringify(error.error)}` : '';
    report.push({ name, ok: false, detail: `${error.constructor.name}: ${error.message}${body}` });
  }
}
process.stdout.write(JSON.stringify(report) + '\n');
