/** The published API, entry by entry (package.json `exports`), against `api/*.api.txt`: see test-support's `describePublishedApi`. */
import { describePublishedApi } from '@tickstock/test-support';

describePublishedApi(import.meta.url);
