/** The demo account that reproduces the seed's screens (a fictional person). */
export const DEMO_ACCOUNT = { number: '1705057190', surname: 'Иванов' } as const;
