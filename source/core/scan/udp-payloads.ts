/**
 * UDP probe payloads for services that ignore an empty datagram: a real
 * request makes a listening server answer, which is what proves `open`.
 */

/** DNS: a standard query for "version.bind" TXT/CH, answered (or refused) by any DNS server. */
const dns = Buffer.from(
	'1234' +
		'0100' +
		'0001' +
		'0000' +
		'0000' +
		'0000' +
		'0776657273696f6e0462696e64' +
		'00' +
		'0010' +
		'0003',
	'hex',
);

/** NTP: a version 4 client request (mode 3), 48 bytes. */
const ntp = Buffer.alloc(48);
ntp[0] = 0x23;

/** SNMP v1 GetRequest, community "public", sysDescr.0. */
const snmp = Buffer.from(
	'302602010004067075626c6963a019020401020304020100020100300b300906052b060102010500',
	'hex',
);

/** NetBIOS name service: node status request for "*". */
const netbios = Buffer.from(
	'80f00010000100000000000020434b4141414141414141414141414141414141414141414141414141414141410000210001',
	'hex',
);

const payloads = new Map<number, Buffer>([
	[53, dns],
	[5353, dns],
	[123, ntp],
	[161, snmp],
	[137, netbios],
]);

/** The datagram to send to a port: a protocol request where one is known, else empty. */
export function udpPayload(port: number): Buffer {
	return payloads.get(port) ?? Buffer.alloc(0);
}
