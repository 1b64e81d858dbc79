/*
 * A fake ALSA output for tests: an I/O plugin (`type paced`) that takes frames at the real-time
 * rate of its one allowed format and appends them, raw and interleaved, to a file.
 *
 * ALSA's stock `null` PCM takes frames as fast as the CPU gives them and accepts any rate; this
 * device keeps time like a sound card (a 1 ms timer wakes the poller, the hardware pointer
 * advances with CLOCK_MONOTONIC) and accepts only the rate and channel count it is configured
 * with, as a USB headset stuck at 44.1 kHz would. Its sample format is 32-bit float, so the
 * capture reads back as f32.
 *
 *     pcm_type.paced { lib "/path/libasound_module_pcm_paced.so" }
 *     pcm.!default { type paced file "/path/capture.raw" rate 44100 channels 2 }
 *
 * A player that falls behind is waited for (the pointer never passes the frames written), so
 * the capture holds exactly what was played, without underrun padding.
 */
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct {
	snd_pcm_ioplug_t io;
	int out;                   /* the capture file, O_APPEND */
	int timer;                 /* timerfd ticking every millisecond: the poll fd */
	int running;
	double last;               /* monotonic seconds at the last pointer update */
	double credit;             /* frames the clock owes the pointer */
	snd_pcm_uframes_t written; /* frames transferred since prepare */
	snd_pcm_uframes_t played;  /* frames the clock has taken since prepare */
} paced_t;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Advance the pointer by the time passed, never past the frames written. */
static void advance(paced_t *p)
{
	double t = now();
	if (p->running) {
		p->credit += (t - p->last) * (double)p->io.rate;
		snd_pcm_uframes_t have = p->written - p->played;
		snd_pcm_uframes_t step = (snd_pcm_uframes_t)p->credit;
		if (step > have)
			step = have;
		p->played += step;
		p->credit -= (double)step;
		if (p->credit > (double)p->io.period_size)
			p->credit = (double)p->io.period_size;
	}
	p->last = t;
}

static int paced_start(snd_pcm_ioplug_t *io)
{
	paced_t *p = io->private_data;
	p->running = 1;
	p->last = now();
	p->credit = 0;
	return 0;
}

static int paced_stop(snd_pcm_ioplug_t *io)
{
	paced_t *p = io->private_data;
	p->running = 0;
	return 0;
}

static snd_pcm_sframes_t paced_pointer(snd_pcm_ioplug_t *io)
{
	paced_t *p = io->private_data;
	advance(p);
	return (snd_pcm_sframes_t)(p->played % io->buffer_size);
}

static snd_pcm_sframes_t paced_transfer(snd_pcm_ioplug_t *io, const snd_pcm_channel_area_t *areas,
					snd_pcm_uframes_t offset, snd_pcm_uframes_t size)
{
	paced_t *p = io->private_data;
	const size_t frame = (size_t)io->channels * 4;
	const char *buf = (const char *)areas[0].addr + (areas[0].first + areas[0].step * offset) / 8;
	size_t left = size * frame;
	while (left > 0) {
		ssize_t n = write(p->out, buf, left);
		if (n < 0)
			return -EIO;
		buf += n;
		left -= (size_t)n;
	}
	p->written += size;
	return (snd_pcm_sframes_t)size;
}

static int paced_prepare(snd_pcm_ioplug_t *io)
{
	paced_t *p = io->private_data;
	p->running = 0;
	p->written = 0;
	p->played = 0;
	p->credit = 0;
	return 0;
}

static int paced_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int nfds,
			      unsigned short *revents)
{
	paced_t *p = io->private_data;
	uint64_t ticks;
	(void)nfds;
	if (pfd[0].revents & POLLIN)
		while (read(p->timer, &ticks, sizeof ticks) > 0) {
		}
	advance(p);
	snd_pcm_uframes_t queued = p->written - p->played;
	*revents = (io->buffer_size - queued >= io->period_size) ? POLLOUT : 0;
	return 0;
}

static int paced_close(snd_pcm_ioplug_t *io)
{
	paced_t *p = io->private_data;
	close(p->timer);
	close(p->out);
	free(p);
	return 0;
}

static const snd_pcm_ioplug_callback_t paced_callback = {
	.start = paced_start,
	.stop = paced_stop,
	.pointer = paced_pointer,
	.transfer = paced_transfer,
	.prepare = paced_prepare,
	.poll_revents = paced_poll_revents,
	.close = paced_close,
};

SND_PCM_PLUGIN_DEFINE_FUNC(paced)
{
	snd_config_iterator_t i, next;
	const char *file = NULL;
	long rate = 44100, channels = 2;
	(void)root;
	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;
		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (!strcmp(id, "comment") || !strcmp(id, "type") || !strcmp(id, "hint"))
			continue;
		if (!strcmp(id, "file") && snd_config_get_string(n, &file) == 0)
			continue;
		if (!strcmp(id, "rate") && snd_config_get_integer(n, &rate) == 0)
			continue;
		if (!strcmp(id, "channels") && snd_config_get_integer(n, &channels) == 0)
			continue;
		SNDERR("paced: unknown or bad field %s", id);
		return -EINVAL;
	}
	if (!file || stream != SND_PCM_STREAM_PLAYBACK)
		return -EINVAL;

	paced_t *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	p->out = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	p->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	int err = -errno;
	if (p->out < 0 || p->timer < 0)
		goto fail;
	struct itimerspec tick = {{0, 1000000}, {0, 1000000}};
	timerfd_settime(p->timer, 0, &tick, NULL);

	p->io.version = SND_PCM_IOPLUG_VERSION;
	p->io.name = "simvx-audio paced test device";
	p->io.callback = &paced_callback;
	p->io.private_data = p;
	p->io.poll_fd = p->timer;
	p->io.poll_events = POLLIN;
	p->io.mmap_rw = 0;
	err = snd_pcm_ioplug_create(&p->io, name, stream, mode);
	if (err < 0)
		goto fail;

	static const unsigned int access[] = {SND_PCM_ACCESS_RW_INTERLEAVED};
	static const unsigned int format[] = {SND_PCM_FORMAT_FLOAT_LE};
	const unsigned int frame = (unsigned int)channels * 4;
	if ((err = snd_pcm_ioplug_set_param_list(&p->io, SND_PCM_IOPLUG_HW_ACCESS, 1, access)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_list(&p->io, SND_PCM_IOPLUG_HW_FORMAT, 1, format)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_CHANNELS,
						   (unsigned int)channels, (unsigned int)channels)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_RATE,
						   (unsigned int)rate, (unsigned int)rate)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_PERIOD_BYTES,
						   32 * frame, 65536 * frame)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_PERIODS, 2, 64)) < 0 ||
	    (err = snd_pcm_ioplug_set_param_minmax(&p->io, SND_PCM_IOPLUG_HW_BUFFER_BYTES,
						   64 * frame, 262144 * frame)) < 0) {
		snd_pcm_ioplug_delete(&p->io);
		return err;
	}
	*pcmp = p->io.pcm;
	return 0;
fail:
	if (p->out >= 0)
		close(p->out);
	if (p->timer >= 0)
		close(p->timer);
	free(p);
	return err;
}

SND_PCM_PLUGIN_SYMBOL(paced);
