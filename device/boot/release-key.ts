// The release public key (BIP-340, x-only) this firmware accepts images from.
//
// THIS IS THE DEVELOPMENT RELEASE KEY: its secret is in the repository
// (flash-scripts/dev-release-key.hex, TEST ONLY), so anyone can sign images
// this build accepts. A production build replaces these 32 bytes with the
// public key of a release key kept offline (docs/firmware-images.md); the
// tests check that this constant matches the development key file.
export const RELEASE_PUBKEY: usize = memory.data<u8>([
  0x76, 0x34, 0xf1, 0xc1, 0x54, 0x7d, 0x22, 0xb0, 0x5c, 0x8a, 0x64, 0x70, 0xb1, 0xb6, 0x27, 0xde,
  0xf7, 0x17, 0x8d, 0xa4, 0x44, 0xe9, 0x60, 0x7e, 0x4c, 0xb0, 0x93, 0x1f, 0x9f, 0x70, 0x2d, 0xf5,
]);
