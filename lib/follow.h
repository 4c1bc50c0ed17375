/* follow.h -- `tail -F` for one file: complete lines across rotation and
 * truncation, with the (inode, offset) just past the last line handed out,
 * so a caller can persist it and resume exactly there. See follow.c. */
#ifndef WW_FOLLOW_H
#define WW_FOLLOW_H
#include <stddef.h>
#include <stdint.h>

#define WW_FOLLOW_LINEMAX 65536 /* longer lines are cut into pieces this long */

struct ww_follow;

/* Follows path. If the file now at path has inode `inode`, reading resumes
 * at `offset` (if the file is still that long); otherwise from the start.
 * A missing file is not an error: it is opened when it appears. */
struct ww_follow *ww_follow_open(const char *path, uint64_t inode, uint64_t offset);
/* 1: *line, *len is the next complete line (no '\n'; valid until the next
 * call); 0: nothing new now (poll again later). Never blocks. */
int ww_follow_line(struct ww_follow *f, const char **line, size_t *len);
/* Position just past the last line returned (inode 0 if never opened). */
void ww_follow_pos(const struct ww_follow *f, uint64_t *inode, uint64_t *offset);
const char *ww_follow_path(const struct ww_follow *f);
void ww_follow_free(struct ww_follow *f);

#endif
