/* global process */
// Preloaded into the screenshots' server (`node --import tsx --import <this> …`; run.ts): its clock
// starts at SCREENS_NOW and runs on from there, so that every page shows the same day whenever the
// screenshots are made. The app reads the time only through `new Date()` and `Date.now()`
// (platform/clock.ts's systemClock), so shifting those two shifts it all: "today", the readings
// window, the demo data's year. Timers are not touched. Plain JavaScript, because the server's
// worker threads load it too, before they have a TypeScript loader. Never loaded by the portal itself.
const at = Date.parse(process.env.SCREENS_NOW ?? '');
if (Number.isNaN(at)) {
  throw new Error(`SCREENS_NOW must be an ISO date and time, not ${JSON.stringify(process.env.SCREENS_NOW)}`);
}

const RealDate = Date;
const offset = at - RealDate.now();
const now = () => RealDate.now() + offset;

// A proxy, not a subclass: `Date.prototype` stays the one prototype, so `instanceof Date` holds for
// dates made anywhere (by Node itself too), and `new Date(x)` with an argument is unchanged.
globalThis.Date = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget);
  },
  apply() {
    // `Date()` called as a function: the current time as a string.
    return new RealDate(now()).toString();
  },
  get(target, prop, receiver) {
    return prop === 'now' ? now : Reflect.get(target, prop, receiver);
  },
});
