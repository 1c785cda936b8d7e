// Child process for the atomic-write tests, run as
//   node atomic-writer-child.js <target> <payload seed> <number of writes, or 'loop'>
// It builds its payload, prints "ready", and waits for a line on stdin, so that the parent
// can start several children at once or kill one at a chosen moment after the start. Then it
// writes the payload with writeFileAtomic that many times, or until it is killed.
import { writeFileAtomic } from '../../kernel-lib/util/atomic-write';
import { makePayload } from './payload';

const [target, seedText, writesText] = process.argv.slice(2);
const payload = makePayload(Number(seedText));

process.stdin.once('data', () => {
  if (writesText === 'loop') {
    for (;;) writeFileAtomic(target, payload);
  }
  for (let i = 0; i < Number(writesText); i++) writeFileAtomic(target, payload);
  process.exit(0);
});
process.stdout.write('ready\n');
