import autocannon from 'autocannon';
let n = 0;
const q = 'mutation($i: CreateCoinEventInput!){ createCoinEvent(input:$i){ coinConfigId configuration companyId event amount } }';
const r = await autocannon({
  url: process.argv[2], connections: 50, duration: Number(process.env.D ?? 6), method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
  requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ query: q, variables: { i: { configuration: 'DEFAULT', companyId: 'C', event: `E_${n++}`, amount: 6 } } }) }) }],
});
console.log('req/s', r.requests.average, 'non2xx', r.non2xx);
