// Version of this firmware build: major << 16 | minor << 8 | patch (get_info).
// Keep in step with package.json; the image header of the bootloader work
// will carry the same number for anti-rollback.
export const FIRMWARE_VERSION: u32 = 0x000100; // 0.1.0
