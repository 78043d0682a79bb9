from enum import IntEnum


class WatermarkSize(IntEnum):
    PX_16 = 16
    PX_32 = 32
    PX_64 = 64
    PX_128 = 128

    def __str__(self) -> str:
        return str(self.value)
