"""Speech, voice and model providers: interfaces in `base`, implementations chosen through `registry`."""
