// The release public key (BIP-340, x-only) this firmware accepts images from,
// and whether it is the development key. Both are inputs of the build:
// flash-scripts/build-firmware.mjs writes them into a generated module
// (build/gen/lnsigner-build/release-key.ts, not committed) from
// LNSIGNER_RELEASE_PUBKEY / LNSIGNER_RELEASE_PUBKEY_FILE; with neither it is
// the development key (flash-scripts/dev-release-key.hex, whose secret is in
// the repository) and RELEASE_DEV is true: a development build, which says so
// in get_info (INFO_FLAG_DEV_BUILD). A release build never trusts the
// development key (the build refuses it) and refuses images flagged
// IMG_FLAG_DEV (device/boot/image.ts). docs/firmware-images.md.
export { RELEASE_PUBKEY, RELEASE_DEV, DEV_PUBKEY } from "lnsigner-build/release-key";
