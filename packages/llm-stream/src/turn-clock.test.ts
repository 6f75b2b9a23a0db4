import { fileURLToPath } from 'node:url';
import { describeTurnClock } from '@breakwater/testing';
import { turnClock } from './turn-clock.js';

describeTurnClock({
  turnClock,
  modulePath: fileURLToPath(new URL('./turn-clock.ts', import.meta.url)),
  load: () => import('./turn-clock.js'),
});
