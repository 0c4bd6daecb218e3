"""DCGAN training steps in the shape of PyTorch's dcgan example, on synthetic 16x16 single-channel images."""


def make_images(torch, n, side=16):
    """Bright squares of random size and place on a dark background, scaled to [-1, 1] like normalized images."""
    coords = torch.arange(side)
    size = torch.randint(4, 9, (n, 1, 1))
    top = torch.randint(0, side - 8, (n, 1, 1))
    left = torch.randint(0, side - 8, (n, 1, 1))
    rows = (coords.view(1, side, 1) >= top) & (coords.view(1, side, 1) < top + size)
    cols = (coords.view(1, 1, side) >= left) & (coords.view(1, 1, side) < left + size)
    return ((rows & cols).float() * 2 - 1).unsqueeze(1)


def main(torch, iterations=100, batch_size=32, nz=16, ngf=16, ndf=16, nc=1, lr=2e-4):
    nn = torch.nn
    torch.manual_seed(999)
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dataset = torch.utils.data.TensorDataset(make_images(torch, batch_size * 8))
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)

    # Custom weights initialization called on netG and netD.
    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                # input is Z, going into a convolution: nz x 1 x 1 -> (ngf*2) x 4 x 4
                nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                # (ngf*2) x 4 x 4 -> ngf x 8 x 8
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf),
                nn.ReLU(True),
                # ngf x 8 x 8 -> nc x 16 x 16
                nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
                nn.Tanh(),
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                # nc x 16 x 16 -> ndf x 8 x 8
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                # ndf x 8 x 8 -> (ndf*2) x 4 x 4
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                # (ndf*2) x 4 x 4 -> 1 x 1 x 1
                nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
                nn.Sigmoid(),
            )

        def forward(self, input):
            return self.main(input).view(-1, 1).squeeze(1)

    netG = Generator().to(device)
    netG.apply(weights_init)
    netD = Discriminator().to(device)
    netD.apply(weights_init)
    print(netG)
    print(netD)

    criterion = nn.BCELoss()
    fixed_noise = torch.randn(batch_size, nz, 1, 1, device=device)
    real_label = 1.
    fake_label = 0.
    optimizerD = torch.optim.Adam(netD.parameters(), lr=lr, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=lr, betas=(0.5, 0.999))

    errDs, errGs, d_reals, d_fakes = [], [], [], []
    i = 0
    while i < iterations:
        for (data,) in dataloader:
            if i == iterations:
                break
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            netD.zero_grad()
            real_cpu = data.to(device)
            b_size = real_cpu.size(0)
            label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
            output = netD(real_cpu)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            noise = torch.randn(b_size, nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            # (2) Update G network: maximize log(D(G(z)))
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            if i % 20 == 0:
                print(f"[{i}/{iterations}] Loss_D: {errD.item():.4f} Loss_G: {errG.item():.4f} "
                      f"D(x): {D_x:.4f} D(G(z)): {D_G_z1:.4f} / {D_G_z2:.4f}")
            errDs.append(errD.item())
            errGs.append(errG.item())
            d_reals.append(D_x)
            d_fakes.append(D_G_z1)
            i += 1

    netG.eval()
    with torch.no_grad():
        fake = netG(fixed_noise).detach().cpu()
    return {"losses": errDs, "errG": errGs, "D_x": d_reals, "D_G_z": d_fakes,
            "fake_shape": tuple(fake.shape), "fake_range": (fake.min().item(), fake.max().item()),
            "repr": repr(netG) + repr(netD),
            "state": {f"{name}.{k}": tuple(v.shape) for name, net in (("netG", netG), ("netD", netD))
                      for k, v in net.state_dict().items()}}
