export function fw_static_end(): usize { return __heap_base; }
