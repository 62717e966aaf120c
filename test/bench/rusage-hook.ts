/** Preloaded with --import into a measured child: prints its resource usage as the last stderr line at exit. */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\nRUSAGE ${JSON.stringify(process.resourceUsage())}\n`);
});
