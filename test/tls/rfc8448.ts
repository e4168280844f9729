/**
 * RFC 8448 §3 "Simple 1-RTT Handshake": the inputs, intermediate values and records of the example,
 * typed in from the RFC text (section 3 of RFC 8448, in the order the trace gives them).
 */
const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

/** §3 "{client} create an ephemeral x25519 key pair". */
export const CLIENT_PRIVATE = hex('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005');
export const CLIENT_PUBLIC = hex('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
/** §3 "{server} create an ephemeral x25519 key pair". */
export const SERVER_PRIVATE = hex('b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e');
export const SERVER_PUBLIC = hex('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');

/** §3 "{client} send handshake record: payload (192 octets)": the ClientHello handshake message (196 with its header). */
export const CLIENT_HELLO = hex(`
  010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef
  6283024dece7000006130113031302010000910000000b000900000673657276
  6572ff01000100000a00140012001d0017001800190100010101020103010400
  230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e
  51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603
  020308040805080604010501060102010402050206020202002d00020101001c
  00024001`);
/** §3 "{server} send handshake record: complete record (95 octets)" (the record header then the ServerHello). */
export const SERVER_HELLO_RECORD = hex(`
  160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb
  1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095
  fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304`);
export const SERVER_HELLO = SERVER_HELLO_RECORD.subarray(5);

/** §3 "{server} derive secret for handshake" / "extract secret "early"" and the derived values. */
export const SHARED_SECRET = hex('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d');
export const EARLY_SECRET = hex('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
export const HANDSHAKE_SECRET = hex('1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac');
export const HELLO_HASH = hex('860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8');
export const CLIENT_HS_TRAFFIC = hex('b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21');
export const SERVER_HS_TRAFFIC = hex('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38');
export const MASTER_SECRET = hex('18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919');
/** §3 "{server} derive write traffic keys for handshake data". */
export const SERVER_HS_KEY = hex('3fce516009c21727d0f2e4e86ee403bc');
export const SERVER_HS_IV = hex('5d313eb2671276ee13000b30');
/** §3 "{client} derive read traffic keys for handshake data" (the client's write keys). */
export const CLIENT_HS_KEY = hex('dbfaa693d1762c5b666af5d950258d01');
export const CLIENT_HS_IV = hex('5bd3c71b836e0b76bb73265f');

/** §3 "{server} send handshake record: payload (657 octets)": EncryptedExtensions, Certificate, CertificateVerify, Finished. */
export const SERVER_FLIGHT = hex(`
  080000240022000a00140012001d00170018001901000101010201030104001c
  00024001000000000b0001b9000001b50001b0308201ac30820115a003020102
  020102300d06092a864886f70d01010b0500300e310c300a0603550403130372
  7361301e170d3136303733303031323335395a170d3236303733303031323335
  395a300e310c300a0603550403130372736130819f300d06092a864886f70d01
  0101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c
  0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19e
  aa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e2
  2a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a
  8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304
  023000300b0603551d0f0404030205a0300d06092a864886f70d01010b050003
  81810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594
  365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd
  335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb
  2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b4
  2b4de100000f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f82
  4cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef78
  0c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671
  459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda
  65cdf5aea20d53dfacd42f74f3140000209b9b141d906337fbd2cbdce71df4de
  da4ab42c309572cb7fffee5454b78f0718`);
/** §3 "{server} calculate finished "tls13 finished"": the finished key and verify_data. */
export const SERVER_FINISHED_KEY = hex('008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8');
export const SERVER_VERIFY_DATA = hex('9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718');
/** §3 "{server} send handshake record: complete record (679 octets)". */
export const SERVER_FLIGHT_RECORD = hex(`
  17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e750edc53370d2b`);

/** §3 "{server} derive secret "tls13 c ap traffic"" and the following: the transcript hash through the server Finished. */
export const SERVER_FINISHED_HASH = hex('9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13');
export const CLIENT_AP_TRAFFIC = hex('9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5');
export const SERVER_AP_TRAFFIC = hex('a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643');
export const EXPORTER_MASTER = hex('fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50');
/** §3 "{server} derive write traffic keys for application data". */
export const SERVER_AP_KEY = hex('9f02283b6c9c07efc26bb9f2ac92e356');
export const SERVER_AP_IV = hex('cf782b88dd83549aadf1e984');
export const CLIENT_AP_KEY = hex('17422dda596ed5d9acd890e3c63f5051');
export const CLIENT_AP_IV = hex('5b78923dee08579033e523d9');

/** §3 "{client} calculate finished "tls13 finished"". */
export const CLIENT_FINISHED_KEY = hex('b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4');
export const CLIENT_VERIFY_DATA = hex('a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61');
/** §3 "{client} send handshake record: complete record (58 octets)". */
export const CLIENT_FINISHED_RECORD = hex(
  '170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546',
);
/** §3 "{server} send handshake record: complete record (227 octets)": the NewSessionTicket. */
export const TICKET_RECORD = hex(
  '17030300de3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63c758db289a015940252f55713e061dc13e078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e09c30ba1e62972ac46f75f7b981be63439b2999ce13064615139891d5e4c5b406f16e3fc181a77ca475840025db2f0a77f81b5ab05b94c01346755f69232c86519d86cbeeac87aac347d143f9605d64f650db4d023e70e952ca49fe5137121c74bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf15985684f',
);
/** §3 "{client} send application_data record: payload (50 octets)" = 00 01 .. 31, and its complete record (72 octets). */
export const APPLICATION_DATA = Uint8Array.from({ length: 50 }, (_, i) => i);
export const CLIENT_APPLICATION_RECORD = hex(
  '1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4',
);
/** §3 "{server} send application_data record: complete record (72 octets)". */
export const SERVER_APPLICATION_RECORD = hex(
  '17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d',
);
/** §3 "{client} send alert record" / "{server} send alert record": close_notify (01 00). */
export const CLIENT_ALERT_RECORD = hex('1703030013c9872760655666b74d7ff1153efd6db6d0b0e3');
export const SERVER_ALERT_RECORD = hex('1703030013b58fd67166ebf599d24720cfbe7efa7a8864a9');
