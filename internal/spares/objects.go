package spares

// MaxObjects bounds the objects an Objects keeps of one type: more than a
// small world makes, so a big world's objects go to the collector instead
// of staying allocated for the next.
const MaxObjects = 4096

// Objects hands out zeroed objects and takes back, all at once, every
// object it handed out since the last Recycle. A sweep runs thousands of
// small worlds one after another, each allocating the same sockets,
// requests and servers; handed the last world's, the next allocates none.
// A nil Objects allocates every object afresh.
type Objects[T any] struct {
	free []*T // zeroed, for New to hand out
	made []*T // handed out since the last Recycle
}

// New returns a zeroed object, as new(T) does.
func (o *Objects[T]) New() *T {
	if o == nil {
		return new(T)
	}
	var p *T
	if n := len(o.free); n > 0 {
		p = o.free[n-1]
		o.free[n-1] = nil
		o.free = o.free[:n-1]
	} else {
		p = new(T)
	}
	o.made = append(o.made, p)
	return p
}

// Recycle zeroes every object New handed out since the last Recycle and
// keeps it for New; nothing may use those objects any more. Zeroed now,
// they no longer hold what they pointed to alive.
func (o *Objects[T]) Recycle() {
	if o == nil {
		return
	}
	var zero T
	// Backwards, so New hands them out again in the order they were made:
	// the next world's first socket is the last world's first.
	for i := len(o.made) - 1; i >= 0; i-- {
		if p := o.made[i]; len(o.free) < MaxObjects {
			*p = zero
			o.free = append(o.free, p)
		}
		o.made[i] = nil
	}
	o.made = o.made[:0]
}

// Slices hands out zeroed slices of a given length and takes them all back
// at once, as Objects does for single objects.
type Slices[T any] struct {
	free [][]T
	made [][]T
}

// Make returns a zeroed slice of length n, as make([]T, n) does.
func (s *Slices[T]) Make(n int) []T {
	if s == nil {
		return make([]T, n)
	}
	var b []T
	for i := len(s.free) - 1; i >= 0; i-- {
		if len(s.free[i]) == n {
			b = s.free[i]
			last := len(s.free) - 1
			s.free[i] = s.free[last]
			s.free[last] = nil
			s.free = s.free[:last]
			break
		}
	}
	if b == nil {
		b = make([]T, n)
	}
	s.made = append(s.made, b)
	return b
}

// Recycle zeroes every slice Make handed out since the last Recycle and
// keeps it for Make; nothing may use those slices any more.
func (s *Slices[T]) Recycle() {
	if s == nil {
		return
	}
	for i := len(s.made) - 1; i >= 0; i-- {
		if b := s.made[i]; len(s.free) < MaxObjects {
			clear(b)
			s.free = append(s.free, b)
		}
		s.made[i] = nil
	}
	s.made = s.made[:0]
}
