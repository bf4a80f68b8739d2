// Preact runs effects after the next paint: requestAnimationFrame, with a 100 ms timer as a
// backstop that then calls cancelAnimationFrame. A test file that ends within 100 ms of a
// render leaves that timer behind; it fired after jsdom was torn down ("cancelAnimationFrame
// is not defined", an unhandled error that failed a CI run once). So every test file waits
// those timers out before its environment goes.
import { afterAll } from 'vitest';

afterAll(() => new Promise<void>((resolve) => setTimeout(resolve, 150)));
