"""Live audio of phone calls: the Twilio Media Streams consumer and the per-call pipeline.

`consumer` speaks the Twilio protocol; `session` runs one call (turn detection → STT → engine → TTS →
paced frames with marks, barge-in, DTMF, silence and duration limits); `playback` paces agent audio and
tracks what the caller heard; `vad` finds speech and the end of the caller's turn; `services` holds the
database work (the only writers here); `speech` runs and caches provider work, on the thread pools of `pools`.
"""
