export { notificationListener, severityMatches, wants } from './listener.js';
export { NotificationDispatcher, type DispatcherOptions } from './dispatcher.js';
export { checkRecipientCount, checkWebhookUrl, singleEmailAddress } from './recipient-checks.js';
export { newWebhookSecret, signature } from './send.js';
export { alertMessage, digestMessage, ruleWords } from './texts.js';
