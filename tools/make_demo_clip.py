"""Cut the demo clip shipped in the package: the first 4 s of LivePortrait's driving video `d18.mp4` (MIT; published by
its authors as demo material), video re-encoded (H.264, CRF 23), its audio copied, into v2s_nb/assets/demo/.

    python tools/make_demo_clip.py [../shared/assets/videos/liveportrait_d18.mp4]
"""
import shutil, sys
from pathlib import Path
import av

SECONDS = 4.0
ROOT = Path(__file__).resolve().parents[1]
src = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent/'shared'/'assets'/'videos'/'liveportrait_d18.mp4')
dst = ROOT/'v2s_nb'/'assets'/'demo'/'liveportrait_d18_4s.mp4'

with av.open(str(src)) as inp, av.open(str(dst), 'w') as out:
    vin, ain = inp.streams.video[0], inp.streams.audio[0]
    vout = out.add_stream('libx264', rate=vin.average_rate)
    vout.width, vout.height, vout.pix_fmt = vin.width, vin.height, 'yuv420p'
    vout.codec_context.time_base = vin.time_base
    vout.options = {'crf': '23', 'preset': 'slow'}
    aout = out.add_stream_from_template(ain)
    for pkt in inp.demux(vin, ain):
        if pkt.dts is None: continue
        t = float(pkt.pts * pkt.time_base)
        if t >= SECONDS: continue
        if pkt.stream is ain:
            pkt.stream = aout; out.mux(pkt)
        else:
            for f in pkt.decode():
                if f.time >= SECONDS: continue
                f.pict_type = av.video.frame.PictureType.NONE
                for p in vout.encode(f): out.mux(p)
    for p in vout.encode(None): out.mux(p)
lic = ROOT/'v2s_nb'/'assets'/'demo'/'LivePortrait_LICENSE'
shutil.copy(src.parent.parent/'licenses'/'LivePortrait_LICENSE', lic)
print(dst, dst.stat().st_size, 'bytes')
