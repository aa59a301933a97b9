import type { CatalogEntry } from '../shared/platform.js';

/**
 * Timeback's event catalog: the IMS Caliper 1.2 event types (Timeback "supports the entire
 * Caliper specification") and the two Timeback Profile events, each named as Caliper spells its
 * `type`. A webhook does not pick types: it receives every Caliper event its sensor and
 * filters let through, so every Timeback webhook lists all of these.
 */

/** The Caliper data version Timeback envelopes carry. */
export const CALIPER_DATA_VERSION = 'http://purl.imsglobal.org/ctx/caliper/v1p2';

interface CaliperType {
  type: string;
  profile: string;
  /** The actions the Caliper 1.2 specification lists for this type (documentation, not enforced). */
  actions: string[];
  object: string;
  description: string;
}

const CALIPER_TYPES: CaliperType[] = [
  { type: 'Event', profile: 'GeneralProfile', actions: ['Created'], object: 'Entity', description: 'A generic Caliper event.' },
  { type: 'AnnotationEvent', profile: 'AnnotationProfile', actions: ['Bookmarked', 'Highlighted', 'Shared', 'Tagged'], object: 'Page', description: 'A person annotated a resource.' },
  { type: 'AssessmentEvent', profile: 'AssessmentProfile', actions: ['Started', 'Paused', 'Resumed', 'Restarted', 'Reset', 'Submitted'], object: 'Assessment', description: 'A person interacted with an assessment.' },
  { type: 'AssessmentItemEvent', profile: 'AssessmentProfile', actions: ['Started', 'Skipped', 'Completed'], object: 'AssessmentItem', description: 'A person interacted with an assessment item.' },
  { type: 'AssignableEvent', profile: 'AssignableProfile', actions: ['Activated', 'Deactivated', 'Started', 'Completed', 'Submitted', 'Reviewed'], object: 'AssignableDigitalResource', description: 'A person interacted with an assigned resource.' },
  { type: 'FeedbackEvent', profile: 'FeedbackProfile', actions: ['Commented', 'Ranked'], object: 'DigitalResource', description: 'A person gave feedback on a resource.' },
  { type: 'ForumEvent', profile: 'ForumProfile', actions: ['Subscribed', 'Unsubscribed'], object: 'Forum', description: 'A person subscribed to or left a forum.' },
  { type: 'GradeEvent', profile: 'GradingProfile', actions: ['Graded'], object: 'Attempt', description: 'An attempt was graded.' },
  { type: 'MediaEvent', profile: 'MediaProfile', actions: ['Started', 'Ended', 'Paused', 'Resumed', 'Restarted', 'ForwardedTo', 'JumpedTo', 'ChangedSpeed', 'ChangedVolume', 'Muted', 'Unmuted'], object: 'VideoObject', description: 'A person interacted with a media object.' },
  { type: 'MessageEvent', profile: 'ForumProfile', actions: ['MarkedAsRead', 'MarkedAsUnread', 'Posted'], object: 'Message', description: 'A person posted or read a message.' },
  { type: 'NavigationEvent', profile: 'ReadingProfile', actions: ['NavigatedTo'], object: 'WebPage', description: 'A person navigated to a resource.' },
  { type: 'QuestionnaireEvent', profile: 'SurveyProfile', actions: ['Started', 'Submitted'], object: 'Questionnaire', description: 'A person started or submitted a questionnaire.' },
  { type: 'QuestionnaireItemEvent', profile: 'SurveyProfile', actions: ['Started', 'Skipped', 'Completed'], object: 'QuestionnaireItem', description: 'A person answered a questionnaire item.' },
  { type: 'ResourceManagementEvent', profile: 'ResourceManagementProfile', actions: ['Archived', 'Copied', 'Created', 'Deleted', 'Described', 'Downloaded', 'Modified', 'Printed', 'Published', 'Restored', 'Retrieved', 'Saved', 'Unpublished', 'Uploaded'], object: 'Document', description: 'A person managed a resource.' },
  { type: 'SearchEvent', profile: 'SearchProfile', actions: ['Searched'], object: 'SoftwareApplication', description: 'A person searched.' },
  { type: 'SessionEvent', profile: 'SessionProfile', actions: ['LoggedIn', 'LoggedOut', 'TimedOut'], object: 'SoftwareApplication', description: 'A session started or ended.' },
  { type: 'SurveyEvent', profile: 'SurveyProfile', actions: ['OptedIn', 'OptedOut'], object: 'Survey', description: 'A person opted in or out of a survey.' },
  { type: 'SurveyInvitationEvent', profile: 'SurveyProfile', actions: ['Accepted', 'Declined', 'Sent'], object: 'SurveyInvitation', description: 'A survey invitation was sent or answered.' },
  { type: 'ThreadEvent', profile: 'ForumProfile', actions: ['MarkedAsRead', 'MarkedAsUnread'], object: 'Thread', description: 'A person read or unread a thread.' },
  { type: 'ToolLaunchEvent', profile: 'ToolLaunchProfile', actions: ['Launched', 'Returned'], object: 'SoftwareApplication', description: 'A tool was launched or returned from.' },
  { type: 'ToolUseEvent', profile: 'ToolUseProfile', actions: ['Used'], object: 'SoftwareApplication', description: 'A person used a tool.' },
  { type: 'ViewEvent', profile: 'ReadingProfile', actions: ['Viewed'], object: 'Document', description: 'A person viewed a resource.' },
];

const entity = { type: 'object', required: ['id', 'type'], properties: { id: { type: 'string', minLength: 1 }, type: { type: 'string', minLength: 1 } } };
const entityOrIri = { anyOf: [{ type: 'string', minLength: 1 }, entity] };

/** The JSON Schema every Caliper event of `type` satisfies: the required Caliper properties; extensions allowed. */
function caliperSchema(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'object',
    required: ['id', 'type', 'actor', 'action', 'object', 'eventTime'],
    properties: {
      '@context': { anyOf: [{ type: 'string' }, { type: 'array' }, { type: 'object' }] },
      id: { type: 'string', minLength: 1, maxLength: 200 },
      type: { const: type },
      profile: { type: 'string' },
      actor: entityOrIri,
      action: { type: 'string', minLength: 1 },
      object: entityOrIri,
      eventTime: { type: 'string', format: 'date-time' },
      edApp: entityOrIri,
      generated: entityOrIri,
      target: entityOrIri,
      group: entityOrIri,
      session: entityOrIri,
      extensions: { type: 'object' },
      ...extra,
    },
  };
}

const metricsCollection = (itemTypes: string[]) => ({
  type: 'object',
  required: ['id', 'type', 'items'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'value'],
        properties: { type: { enum: itemTypes }, value: { type: 'number' }, subType: { type: 'string' } },
      },
    },
  },
});

const timebackActor = {
  id: 'https://api.alpha-1edtech.com/ims/oneroster/rostering/v1p2/users/8f0b3c1e-4d2a-4f55-9a61-2c7e9d1b0a37',
  type: 'TimebackUser',
  email: 'student.email@example.com',
};

const activityEventSample = {
  id: 'urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594',
  eventTime: '2024-04-24T14:12:00.000Z',
  profile: 'TimebackProfile',
  type: 'ActivityEvent',
  actor: timebackActor,
  action: 'Completed',
  object: {
    id: 'https://alpharead.alpha.school/ims/activity/context',
    type: 'TimebackActivityContext',
    subject: 'Reading',
    app: { name: 'PowerPath UI' },
    activity: { name: 'Answered quiz' },
    course: { id: 'https://api.alpha-1edtech.com/ims/oneroster/rostering/v1p2/courses/3c9d2a71-reading-g3', name: 'Reading G3' },
  },
  generated: {
    id: 'https://alpharead.alpha.school/ims/metrics/collections/activity/1',
    type: 'TimebackActivityMetricsCollection',
    items: [
      { type: 'totalQuestions', value: 10 },
      { type: 'correctQuestions', value: 8 },
      { type: 'xpEarned', value: 100 },
      { type: 'masteredUnits', value: 2 },
    ],
  },
};

const timeSpentEventSample = {
  id: 'urn:uuid:5b1f0a9e-2c44-4d8b-9f3e-7a6c1d2e8b40',
  eventTime: '2024-04-24T14:12:00.000Z',
  profile: 'TimebackProfile',
  type: 'TimeSpentEvent',
  actor: timebackActor,
  action: 'SpentTime',
  object: { id: 'https://alpharead.alpha.school/ims/activity/context', type: 'TimebackActivityContext', subject: 'Reading', app: { name: 'PowerPath UI' } },
  generated: {
    id: 'https://alpharead.alpha.school/ims/metrics/collections/time-spent/1',
    type: 'TimebackTimeSpentMetricsCollection',
    items: [
      { type: 'active', value: 10 },
      { type: 'waste', value: 2, subType: 'eating' },
      { type: 'inactive', value: 2 },
      { type: 'unknown', value: 5 },
      { type: 'anti-pattern', value: 8 },
    ],
  },
};

function genericSample(caliper: CaliperType, index: number): Record<string, unknown> {
  const uuid = `7e10e4f3-a0d8-4430-95bd-783ffae4d${900 + index}`;
  return {
    '@context': CALIPER_DATA_VERSION,
    id: `urn:uuid:${uuid}`,
    type: caliper.type,
    profile: caliper.profile,
    actor: { id: 'https://example.edu/users/554433', type: 'Person' },
    action: caliper.actions[0],
    object: { id: `https://example.edu/terms/201601/courses/7/sections/1/resources/${index + 1}`, type: caliper.object },
    eventTime: '2016-11-15T10:15:00.000Z',
    edApp: 'https://example.edu',
  };
}

/** Every event type of the Timeback catalog, with its schema and a realistic sample. */
export const timebackCatalog: CatalogEntry[] = [
  ...CALIPER_TYPES.map((caliper, index) => ({
    name: caliper.type,
    description: `Caliper ${caliper.type} (${caliper.profile}): ${caliper.description} Actions: ${caliper.actions.join(', ')}.`,
    schema: caliperSchema(caliper.type),
    example: genericSample(caliper, index),
  })),
  {
    name: 'ActivityEvent',
    description: 'Timeback Profile: a student completed an activity; `generated` carries totalQuestions, correctQuestions, xpEarned and masteredUnits.',
    schema: caliperSchema('ActivityEvent', { generated: metricsCollection(['totalQuestions', 'correctQuestions', 'xpEarned', 'masteredUnits']) }),
    example: activityEventSample,
  },
  {
    name: 'TimeSpentEvent',
    description: 'Timeback Profile: time a student spent, split into active, inactive, waste, unknown and anti-pattern seconds.',
    schema: caliperSchema('TimeSpentEvent', { generated: metricsCollection(['active', 'inactive', 'waste', 'unknown', 'anti-pattern']) }),
    example: timeSpentEventSample,
  },
];

/** The names of the catalog: the event types every Timeback webhook listens to. */
export const TIMEBACK_EVENT_TYPES: string[] = timebackCatalog.map((entry) => entry.name);
